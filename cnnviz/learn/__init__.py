"""Learning: one filter by plain gradient descent, the digits, the network and its training, interpretation, the
training worker."""
