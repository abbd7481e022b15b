"""smaller-LaBSE: LaBSE with only the tokens your languages use, giving the same embeddings.

This file is also what Dataflow workers install (`--setup_file ./setup.py`).
"""

import setuptools

# What the Beam job needs, and all that a Dataflow worker installs: the Beam SDK container already holds
# both, so workers start without downloading anything heavy. TensorFlow is read only on the launching
# machine (to probe the original preprocess model), never on a worker.
REQUIREMENTS = [
    "apache-beam[gcp]==2.77.0",
    "numpy>=1.26,<3",
]

# The original and smaller SavedModels: probing the preprocess model, the export, the Tatoeba job.
TF_REQUIREMENTS = [
    "tensorflow==2.21.0",
    "tensorflow-text==2.21.1",
    "tensorflow-hub==0.16.1",
    "tf-keras==2.21.0",
    # tensorflow-hub 0.16.1 imports pkg_resources, which setuptools 81 removed; torch (the hf extra) asks for
    # setuptools unpinned and would otherwise pull the newest.
    "setuptools<81",
]

# The Hugging Face export: pins that install together with the TensorFlow stack on Python 3.11.
HF_REQUIREMENTS = [
    "torch==2.13.0",
    "transformers==5.24.0",
    "tokenizers==0.23.3",
    "sentence-transformers==6.2.0",
    "safetensors==0.8.0",
]

setuptools.setup(
    name="smaller-labse",
    version="0.1.0",
    description="Vocabulary selection and export of smaller LaBSE models for chosen languages",
    long_description=__doc__,
    python_requires=">=3.11,<3.12",
    packages=setuptools.find_packages(include=["pipelines", "pipelines.*", "exporter", "exporter.*",
                                               "evaluation", "evaluation.*"]),
    # The probed character classes of tf_text's cased BertTokenizer (tokenizing without TensorFlow), and
    # the namespace names each wiki accepts for files and categories (text extraction), and the export's
    # check sentences in every LaBSE language.
    package_data={"pipelines": ["tf_text_char_classes.json", "namespace_aliases.json"],
                  "exporter": ["check_sentences.tsv"]},
    install_requires=REQUIREMENTS,
    # Extras, so that Dataflow workers (which install this file) install none of them. `all` is every
    # command's stack (`pip install 'smaller-labse[all]'`); `tf` the TensorFlow side (export, Tatoeba, probing
    # a model from TF-Hub); `hf` writes and checks the Hugging Face (PyTorch) export; `eval` plots the curve.
    extras_require={"tf": TF_REQUIREMENTS,
                    "hf": HF_REQUIREMENTS,
                    "eval": ["matplotlib>=3.8"],
                    "all": [*TF_REQUIREMENTS, *HF_REQUIREMENTS, "matplotlib>=3.8"],
                    "test": ["pytest>=8", "hypothesis>=6"]},
    entry_points={
        "console_scripts": [
            "smaller-labse=pipelines.cli:main",
            "smaller-labse-vocab=pipelines.select_vocab:main",
            "smaller-labse-select=pipelines.selection:main",
            "smaller-labse-export=exporter.export:main",
            "smaller-labse-eval=evaluation.tatoeba:main",
            "smaller-labse-preservation=evaluation.preservation:main",
        ],
    },
)
