"""crewmux's own model engine: GGUF models on disk (pulled, verified) and the llama.cpp
engine that serves them, OpenAI-compatible on loopback, as a service of a run.

Layer: above agents.llm (it uses the LLM client to talk to servers), below workspace."""
