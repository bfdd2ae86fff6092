//! Non-streaming response translation.
