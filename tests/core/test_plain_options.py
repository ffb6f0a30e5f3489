"""Engine options parsed without pydantic (engines/plain_options.py) are what the EngineOptions model
gives: property "accepted by the plain parser => the model accepts them with the same values"; anything
else goes through the model, whose error wording is kept."""

import math
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ewoks_core.engines.options import EngineOptions
from ewoks_core.engines.plain_options import CoreOptions, plain_options
from ewoks_core.engines.registry import get_engine
from ewoks_core.errors import EngineError

NAMES = st.sampled_from(["max_iterations", "timeout", "cancel_event", "kill_timeout", "stop_on_signals", "other"])
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**60), st.floats(), st.sampled_from(["1", "", "x"]),
                   st.just(threading.Event()), st.just(object()))
FIELDS = ("max_iterations", "timeout", "cancel_event", "kill_timeout", "stop_on_signals")


def _same(plain: CoreOptions, model: EngineOptions) -> bool:
    for name in FIELDS:
        a, b = getattr(plain, name), getattr(model, name)
        if not (a is b or (type(a) is type(b) and a == b)):
            return False
    return True


def test_defaults_are_the_models():
    assert _same(CoreOptions(), EngineOptions()) and CoreOptions().locations() == EngineOptions().locations()


@settings(derandomize=True, max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(NAMES, VALUES, max_size=4))
def test_plain_options_imply_the_model(options: dict) -> None:
    plain = plain_options(options)
    if plain is None:
        return
    try:
        model = EngineOptions(**options)
    except ValidationError as e:  # pragma: no cover - the property failing
        pytest.fail(f"{options} accepted here, refused by the model: {e}")
    assert _same(plain, model), (plain, model)


def test_the_sequential_engine_parses_plain_options_plainly_and_others_with_the_model():
    engine = get_engine("sequential")
    event = threading.Event()
    parsed = engine.parse_options({"timeout": 2, "cancel_event": event, "max_iterations": 3})
    assert isinstance(parsed, CoreOptions) and parsed.timeout == 2.0 and type(parsed.timeout) is float
    assert parsed.cancel_event is event and parsed.max_iterations == 3
    converted = engine.parse_options({"timeout": "2.5"})  # conversion: the model does it, as before
    assert isinstance(converted, EngineOptions) and converted.timeout == 2.5


@pytest.mark.parametrize("options, message", [
    ({"max_iteration": 5}, "engine 'sequential' has no option 'max_iteration'. Did you mean 'max_iterations'?"),
    ({"timeout": -1}, "engine 'sequential': invalid option 'timeout': Input should be greater than 0"),
    ({"timeout": math.nan}, "engine 'sequential': invalid option 'timeout': Input should be greater than 0"),
    ({"max_iterations": 0}, "engine 'sequential': invalid option 'max_iterations': Input should be greater than or "
                            "equal to 1"),
    ({"cancel_event": 1}, "engine 'sequential': invalid option 'cancel_event': Value error, must have an is_set() "
                          "method, e.g. a threading.Event"),
])
def test_refused_options_keep_the_models_wording(options, message):
    with pytest.raises(EngineError) as info:
        get_engine("sequential").parse_options(options)
    assert message in str(info.value), str(info.value)
