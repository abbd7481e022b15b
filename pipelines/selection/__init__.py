"""Vocab selection: which of the original tokens the smaller model keeps.

    smaller-labse select --counts RUN_DIR --output DIR [--languages en,fr,...]   (or python -m pipelines.selection)
        [--min_lines_per_million X [--fill_to N] | --max_vocab N | --target_preservation P]
        [--sample_text LANG=PATH ...]
        [--min_count N] [--min_line_fraction F] [--coverage C] [--preset original]

A sentence keeps its exact embedding only when every token of its original tokenization is kept,
so selection aims at sentences. Each language keeps a prefix of a ranking of its tokens, and the
vocab is the union over languages (plus the special tokens).

- Filters, per language, a token must pass each one given: `min_count` (occurrences),
  `min_line_fraction` (share of the language's lines it occurs in; the original smaller-LaBSE's rule
  was 0.005% of 1M lines, `--preset original`), `coverage` (the most frequent tokens until they
  cover this share of the language's occurrences).
- `max_vocab N` spends N tokens on sentences. With sentence samples (a pipeline run keeps them;
  `--sample_text` brings your own), each language ranks its tokens by count, the preserved share of
  its sample is measured for every prefix, and every language gets the same share, the highest whose
  union fits (the worst language first; what is left over goes by score, below). From counts alone
  (no sample), one shared threshold on the score: a token's line share in the language (the share of
  its lines the token occurs in) weighted by how specific the token is to that language.
- `target_preservation P`: the smallest prefixes whose sample preservation is at least P in every
  language, plus one standard error of the sample's share so that it holds on new text (needs samples).
- `min_lines_per_million X`: the same bar on that score in every language, whatever the languages;
  with `fill_to N`, tokens are then added as `max_vocab N` would add them while the vocab is smaller.
- With no rule at all: the published vocab's bar, filled to the published size
  (`min_lines_per_million` 47.60564, `fill_to` 173,347). The bar is the one at which the original
  smaller-LaBSE's own counts fill exactly its 173,347 tokens, so on its languages the default is the
  published vocab's size. A size alone means nothing outside the 15 languages it was chosen for: 109
  languages share it at about 1,600 tokens each. The bar asks of every language what the published
  vocab asked of each of its 15, so the vocab grows with the languages chosen (line shares do not
  change as a corpus grows, so neither does the bar's cut). For a few languages the bar alone keeps
  little (Japanese alone: 11,346 tokens, 51.9% of FLORES dev preserved), so the published size is
  filled as a budget would fill it (Japanese alone: every token its 1M Wikipedia lines use, 67,723,
  99.2%). `benchmarks/selection_sets.py` measures it for sets from one language to all.

Worst language rather than total when sentences are measured: a language's sentences are only
preserved when its long tail is, and a budget spent on the total goes to the languages that are
cheapest to finish; on a 600-token budget over the bundled samples it left Japanese at 0%, and with
half of FLORES as samples at 173,347 tokens it left Portuguese at 1%.

Specificity, from counts alone: a token that many languages' text uses (names, numbers, loanwords,
citation markup) is kept for whichever language needs it most, while a token only one language uses
is that language's own grammar and words, and comes back in any text of it. Wikipedia is not the
text a user fine-tunes on: its Polish has few first- and second-person verbs, its Japanese few polite
endings, and these are exactly the rarer language-specific tokens. Weighting the line share by
specificity ** 0.4 keeps them at the cost of shared ones, and beat the published vocab on both
Tatoeba and FLORES, in total and in the worst language, where one threshold on frequency or count
alone did not (docs/selection.md). But a token that many languages use alike is not borrowed by any
of them: product and project names, acronyms, numbers, technical words, which interface and
technical text in every language holds. The weight never falls below a floor, 0.78
(`--specificity_floor`), so such a token is credited for being used everywhere rather than ranked
down everywhere; the vocab is then the union of two rankings given the same number of tokens, by line
share alone and by line share weighted by specificity.

Every bracketed special token of the original vocab keeps its original id (the preprocess graph
has the ids of [PAD], [UNK], [CLS], [SEP], [MASK] baked in); the other kept tokens follow in
original id order, so a smaller vocab is a subsequence of the original.
"""

from pipelines.selection.cli import add_rule_arguments, main, rule_from_arguments
from pipelines.selection.plans import filter_masks, min_lines_for, preservation_curve, ranking, token_scores
from pipelines.selection.report import read_run, selection_markdown, selection_report, write_selection
from pipelines.selection.rule import (BUDGET_SOURCES, ORIGINAL_MAX_LINES_PER_LANGUAGE,
                                      ORIGINAL_MIN_LINE_FRACTION, PRESETS, PUBLISHED_BAR_LINES_PER_MILLION,
                                      PUBLISHED_VOCAB_SIZE, SPECIFICITY_EXPONENT, SelectionError, SelectionRule)
from pipelines.selection.select import LanguageSelection, Selection, SelectionSummary, select

__all__ = [
    "add_rule_arguments", "BUDGET_SOURCES", "LanguageSelection", "SelectionSummary", "filter_masks", "main",
    "min_lines_for",
    "ORIGINAL_MAX_LINES_PER_LANGUAGE", "ORIGINAL_MIN_LINE_FRACTION", "preservation_curve", "PRESETS",
    "PUBLISHED_BAR_LINES_PER_MILLION", "PUBLISHED_VOCAB_SIZE", "ranking", "read_run", "rule_from_arguments",
    "select", "Selection", "selection_markdown", "selection_report", "SelectionError", "SelectionRule",
    "SPECIFICITY_EXPONENT", "token_scores", "write_selection"
]
