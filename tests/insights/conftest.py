from tests.paywall.conftest import article, device, people  # noqa: F401  (two devices of one reader)
