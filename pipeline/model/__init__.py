"""The model client seam and what sits behind it: the cache, retries, prompts, providers
and the embedded model servers."""
