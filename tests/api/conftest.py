"""The API fixtures live in tests/support/api.py (a plugin of the root conftest); the
names are re-exported here for the modules that import them from this path."""

from tests.support.api import (  # noqa: F401
    CREATE_PROFILE,
    CREATE_TASK,
    PROFILE,
    REGISTER,
    Caller,
    create_profile,
    create_task,
    create_user,
    make_settings,
    settings,
    ticket,
)
