"""Other registries' formats in and out: Hugging Face model cards."""
