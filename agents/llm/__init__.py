"""LLM providers (Ollama, OpenAI-compatible, Anthropic) behind one interface."""
