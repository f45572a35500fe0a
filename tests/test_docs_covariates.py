"""docs/covariates.md's blocks run as written, in order, and do what the page says."""
import numpy as np
import pytest

from docs_pages import DOCS, run_page


def test_the_covariates_page_runs_and_its_shifted_channel_lines_up(capsys):
    namespace = run_page("covariates.md", 6)
    printed = capsys.readouterr().out
    H, n, window = namespace["H"], namespace["n"], namespace["window"]
    demand, drivers, shifted = namespace["demand"], namespace["drivers"], namespace["shifted"]
    X, y, model = namespace["X"], namespace["y"], namespace["model"]

    # the windows: demand and the two shifted drivers; the last one's last H rows are the drivers
    # of its target's hours
    assert (H, n, window) == (24, 3000, 72)
    assert X.shape == (n - window - H + 1, window, 3) and y.shape == (n - window - H + 1, H)
    assert "(2905, 72, 3) (2905, 24)\nTrue True\n" in printed
    np.testing.assert_array_equal(shifted[:-H], drivers[H:n])  # shifted[t] = drivers[t + H]
    for row in (0, 1000, len(X) - 1):
        target_start = window + row
        np.testing.assert_array_equal(y[row], demand[target_start:target_start + H])
        np.testing.assert_array_equal(X[row, -H:, 1:], drivers[target_start:target_start + H])

    # the backtest: the model with the drivers beats the same model without them, and the baseline
    mae = namespace["mae"]
    assert set(mae) == {"attention + drivers", "seasonal naive", "attention"}
    assert mae["attention + drivers"] < 0.8 * mae["attention"]
    assert mae["attention + drivers"] < mae["seasonal naive"]
    assert "the drivers cut the MAE by" in printed

    # the history built at forecast time carries the channel of fit, and its forecast is predict
    # on the window whose target starts at that hour
    history_until = namespace["history_until"]
    history, next_day = namespace["history"], namespace["next_day"]
    assert history.shape == (n, 3) and next_day.shape == (H,)
    np.testing.assert_array_equal(history[:, 0], demand)
    np.testing.assert_array_equal(history[:, 1:], shifted)
    for now in (n - H, n - 5 * H - 7, window + H):
        row = now - window
        np.testing.assert_allclose(model.forecast(history_until(now), H),
                                   model.predict(X[row:row + 1])[0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(next_day, model.predict(history[None, -window:])[0],
                               rtol=1e-12, atol=0)

    # two days: the first is next_day; the second is predict on the window that ends with the
    # first day's forecasts and, as their channel, future_covariates' rows (drivers of n + H ..)
    second_day, two_days = namespace["second_day"], namespace["two_days"]
    assert second_day.shape == (H, 2) and two_days.shape == (2 * H,)
    assert "(48,) True\n" in printed
    np.testing.assert_array_equal(two_days[:H], next_day)
    extended = np.concatenate([history, np.column_stack([next_day, second_day])])
    np.testing.assert_allclose(two_days[H:], model.predict(extended[None, -window:])[0],
                               rtol=1e-12, atol=0)
    # the rows of the second day change the second day only
    other = model.forecast(history, 2 * H, future_covariates=second_day + [5.0, 1.0])
    np.testing.assert_array_equal(other[:H], two_days[:H])
    assert not np.allclose(other[H:], two_days[H:])
    # H rows are needed; 2H rows are read in their first H only, with the warning the page quotes
    with pytest.raises(ValueError, match="pass future_covariates"):
        model.forecast(history, 2 * H)
    with pytest.raises(ValueError, match="23 rows; 24 are needed"):
        model.forecast(history, 2 * H, future_covariates=second_day[:-1])
    with pytest.warns(UserWarning) as caught:
        # whatever the rows after the first H hold, they change nothing
        longer = model.forecast(history, 2 * H,
                                future_covariates=np.concatenate([second_day, second_day + 9.0]))
    message = " ".join(str(w.message) for w in caught)
    quoted = ("read only in their first 24 rows (appended to the windows after each horizon of "
              "24); the other 24 change nothing")
    assert quoted in message
    assert quoted in " ".join((DOCS / "covariates.md").read_text().split())
    np.testing.assert_array_equal(longer, two_days)

    # the caution: trained on observed temperature, the intervals cover less when read from the
    # forecasts than its backtest on observed values says, and less than the model trained on
    # the forecasts
    caution = namespace["caution"]
    assert set(caution) == {("forecasts", "forecasts"), ("observed", "observed"),
                            ("observed", "forecasts")}
    in_use, backtested = caution["observed", "forecasts"], caution["observed", "observed"]
    honest = caution["forecasts", "forecasts"]
    assert backtested[0] < in_use[0] and backtested[0] < honest[0]  # MAE
    assert in_use[1] < backtested[1] - 0.1 and in_use[1] < honest[1] - 0.1  # coverage
    assert honest[1] > 0.7
    assert printed.count("80% intervals cover") == 3
