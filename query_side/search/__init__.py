"""Product search: typo correction over a lexicon, full-text backends per database."""
