"""Vocabulary pipeline: Wikipedia dumps -> exact LaBSE token counts -> selected vocab."""
