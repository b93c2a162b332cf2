"""The hub's Avro contract: schemas (``*.avsc``), their single-object codec and schema history."""
