"""``refhub``: run the hub, provision topics, and the operators' and partners' tools."""
