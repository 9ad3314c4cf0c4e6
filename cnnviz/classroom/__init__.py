"""The classroom: the room store (memory or Redis), the push channel to followers, and the room's UI."""
