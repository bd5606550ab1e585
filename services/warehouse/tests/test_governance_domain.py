"""warehouse's governance rule without I/O."""

from serialtrace.warehouse import domain


def test_a_lots_stock_must_be_what_was_received_less_what_was_issued() -> None:
    assert domain.lot_balance_holds(1000, 3, 997)
    assert domain.lot_balance_holds(0.3, 0.1, 0.2)  # float noise is not a finding
    assert not domain.lot_balance_holds(1000, 3, 1002)
    assert not domain.lot_balance_holds(0, 0, 1)
