"""The model in the reader's browser (the `browser-model` stage, config section [browser_model]):
towers.py exports the text tower (and a small image tower) to ONNX with the tokenizer
(tokenizer.py) and their parity, dense.py the dense patch features, stage.py gathers them with
the query index (builder.compute.query_index) into data/<dataset>/model/ and the manifest's
`browser_model` entry (builder.contract.BROWSER_MODEL)."""
