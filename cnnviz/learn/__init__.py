"""Learning: the digits, the network and its training by gradient descent, interpretation, the training worker."""
