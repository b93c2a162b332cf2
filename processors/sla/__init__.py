"""SLA clocks (時限管理): Taiwan's working-day calendar, the policy table, and when each clock falls due."""
