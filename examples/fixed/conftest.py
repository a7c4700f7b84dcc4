# The event_loop override is gone: pytest-asyncio 1.x owns the loops; tests that need a
# wider loop say so with loop_scope=.
