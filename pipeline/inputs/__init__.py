"""Reading inputs: the file formats (a registry), ingesting and chunking."""
