//! Planning change commands on the demo estate.
