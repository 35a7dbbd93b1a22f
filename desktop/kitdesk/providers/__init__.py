"""Model providers: the table of provider kinds, resolving a model reference to an
endpoint and key, provider clients, and the models catalogue."""
