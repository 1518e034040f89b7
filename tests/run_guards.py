"""A run that would check less than it says fails, whatever the plugins changed.

Two tests with one id are one test to pytest-xdist, which runs only one of
them; a test marked for an ``xdist_group`` whose id does not name the group is
spread over the workers like any other, and its module's shared set-up is
built again in each. Both happened, silently, with pytest 9.2 (see
``pyproject.toml``). Each such test now fails saying why: an error raised while
a pytest-xdist worker collects would end the run without the reason.
"""

from __future__ import annotations

from collections import Counter

import pytest

_REFUSED = pytest.StashKey[str]()


@pytest.hookimpl(trylast=True)  # after pytest-xdist has written each group into its tests' ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    counts = Counter(item.nodeid for item in items)
    grouping = bool(getattr(config.option, "loadgroup", False))  # set in pytest-xdist's workers
    for item in items:
        if counts[item.nodeid] > 1:
            item.stash[_REFUSED] = (
                f"{counts[item.nodeid]} tests have the id {item.nodeid!r}: pytest-xdist runs one"
            )
        elif grouping and item.get_closest_marker("xdist_group") and not _names_group(item):
            item.stash[_REFUSED] = (
                f"pytest-xdist did not write the group of {item.nodeid!r} into its id:"
                " its module's shared set-up would be built in every worker"
            )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    refused = item.stash.get(_REFUSED, None)
    if refused is not None:
        pytest.fail(f"{refused} (see pyproject.toml's pin of pytest)", pytrace=False)


def _names_group(item: pytest.Item) -> bool:
    """pytest-xdist's own reading: a group follows the last ``@`` after the parameters."""
    return item.nodeid.rfind("@") > item.nodeid.rfind("]")
