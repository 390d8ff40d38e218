"""The agents: one module per role, the shared loop, and the LLM providers."""
