"""Pure domain logic: routing, lifecycle, clocks, journeys, privacy. No Kafka or Faust imports here."""
