"""Every error this package raises on purpose.

    BriefError                  base; the CLI prints its message and exits non-zero
    ├── ConfigError             bad settings file, unknown key, bad value
    ├── IngestError             a file could not be read as a transcript
    ├── PromptError             a prompt file is missing or its variables do not match
    ├── CacheError              the call cache could not be opened or used
    ├── OutputLocked            another run is writing to the same output folder
    ├── ModelSetupError         the embedded model or server could not be prepared
    └── ModelError              a model call failed
        ├── ModelUnreachable    nothing answers at api_base (connection refused, DNS)
        ├── ModelAuthError      401/403: credentials rejected (never prints the key)
        ├── ContextTooLong      the prompt cannot fit the context window (split the input)
        └── OutputInvalid       the reply did not validate, even after the re-ask

    Interrupted                 a KeyboardInterrupt, not a BriefError: the program was told to
                                stop (Ctrl-C, SIGTERM) and a call waiting on its reply gave up

Messages name the fix where there is one.
"""


class BriefError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(BriefError):
    """Bad settings: unknown key, wrong type, unreadable file."""


class IngestError(BriefError):
    """A file could not be read as a transcript."""


class PromptError(BriefError):
    """A prompt file is missing, malformed, or rendered with the wrong variables."""


class CacheError(BriefError):
    """The call cache could not be opened or used."""


class OutputLocked(BriefError):
    """Another run holds the output folder's lock."""


class ModelSetupError(BriefError):
    """The embedded model file or the llama.cpp server could not be prepared."""


class ModelError(BriefError):
    """A model call failed after retries."""


class ModelUnreachable(ModelError):
    """Nothing answers at the configured api_base."""


class ModelAuthError(ModelError):
    """The server rejected the credentials (HTTP 401/403)."""


class ContextTooLong(ModelError):
    """The request does not fit the model's context window: never sent (or never resent)
    unchanged; the caller splits its input."""


class OutputInvalid(ModelError):
    """The model's reply did not validate against the schema, even after one re-ask."""


class Interrupted(KeyboardInterrupt):
    """The program is stopping (Ctrl-C, SIGTERM: ``pipeline.model.stopping.stop_calls``), so a
    call stopped waiting for its reply, its turn or its retry. A ``KeyboardInterrupt``, so
    that no ``except Exception`` records it as a failed chunk or brief: the run unwinds, and
    every call that completed is in the cache for the rerun."""
