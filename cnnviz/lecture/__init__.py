"""The lecture's material: filter presets, the layer model, architectures, the network builder's grammar, the quiz."""
