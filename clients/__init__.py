"""The API's generated clients: clients.generate makes them (make clients)."""
