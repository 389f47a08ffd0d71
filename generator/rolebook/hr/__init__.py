"""HR and MIS lifecycle: the HR export (joiners, movers, leavers), login exports and branch changes."""
