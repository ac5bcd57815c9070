"""The brief stages (map, reduce, synthesize), their helpers and the small-model policy."""
