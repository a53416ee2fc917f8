"""Tables, queries and migrations; knows nothing about Matrix."""
