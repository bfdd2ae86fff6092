"""`plano demo`: the gateway on a bundled config whose providers are the local mock provider."""
