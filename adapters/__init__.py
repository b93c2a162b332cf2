"""Partner adapters: each partner's own bytes ⇄ the hub's canonical models. Pure: no Kafka, no I/O."""
