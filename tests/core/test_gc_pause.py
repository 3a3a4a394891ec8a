"""core.gc_pause: the cyclic collector is paused inside the block and enabled again only when the last block
still running (in any thread) ends, and only if it was enabled before."""

import gc
import threading

import pytest

from beffroi.core.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def collector_enabled():
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_paused_inside_and_enabled_after():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_blocks_enable_it_only_when_the_outer_one_ends():
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_inside_still_enables_it():
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("a failing batch")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_two_threads_overlapping_enable_it_when_the_last_one_ends():
    first_inside, second_inside, first_may_end, first_ended = (threading.Event() for _ in range(4))
    seen = {}

    def first():
        with gc_paused():
            first_inside.set()
            first_may_end.wait(5)
        first_ended.set()

    def second():
        first_inside.wait(5)
        with gc_paused():
            second_inside.set()
            first_may_end.set()
            first_ended.wait(5)
            seen["after the first ended"] = gc.isenabled()  # the second is still running: still paused

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert second_inside.is_set() and first_ended.is_set()
    assert seen == {"after the first ended": False}
    assert gc.isenabled()
