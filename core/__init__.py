"""The bottom layer: what pipelines and serving both need, importing neither."""
