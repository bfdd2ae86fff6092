"""`plano mock`: a fast simulated LLM provider speaking each provider's real wire format.

One RSGI app (`app.py`) on Granian serves OpenAI Chat Completions and Responses, Anthropic
Messages, Bedrock Converse/ConverseStream (AWS event-stream frames) and Gemini generateContent.
Replies are deterministic and echo the last user message (`content.py`); latency, size and
faults are steered per request by `x-mock-*` headers over CLI defaults (`knobs.py`, `faults.py`);
requests are recorded with masked secrets (`recording.py`). See `benches/README.md`.
"""
