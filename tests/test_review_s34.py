"""Fixes of session 34 (reviews, trials and items noticed in earlier sessions), each with the
test that failed on the code before it."""
import warnings

import numpy as np
import pytest

from skattn.model_selection import backtest
from test_model_selection import SameWarningLocalForecaster as _WarnsAtEachForecast


def test_backtest_counts_every_occurrence_of_a_warning_under_show_once_filters():
    # Python's registry let one of each origin's three forecasts' warnings through under the
    # default filter: "at all 2 origins" without "6 times" (noticed in session 33)
    panel = [100.0 + np.arange(30.0)] * 3
    for action in ("default", "module", "once"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.resetwarnings()
            warnings.simplefilter(action)
            before = list(warnings.filters)
            backtest({"w": _WarnsAtEachForecast()}, panel, 3, 6, n_origins=2)
            # the caller's filters are theirs again afterwards
            assert warnings.filters == before
        assert [str(w.message) for w in caught] == [
            "forecast without a fit (model 'w': 6 times, at all 2 origins)"], action
    # Python's own start: a filter whose module is text, not a pattern (the rebuild stopped
    # at it, so only a reset of the filters got the count right; review of the session's diff)
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("default")
        warnings.filters.insert(0, ("default", None, DeprecationWarning, "__main__", 0))
        backtest({"w": _WarnsAtEachForecast()}, panel, 3, 6, n_origins=2)
        assert warnings.filters[0] == ("default", None, DeprecationWarning, "__main__", 0)
    assert [str(w.message) for w in caught] == [
        "forecast without a fit (model 'w': 6 times, at all 2 origins)"]
    # a tuple of categories (simplefilter takes one; scikit-learn's ignore_warnings gives one)
    # and a message given as text stopped the rebuild too (review of the mends)
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("default")
        warnings.simplefilter("ignore", (FutureWarning, DeprecationWarning))
        warnings.filters.insert(0, ("ignore", "Some Exact Text", UserWarning, None, 0))
        backtest({"w": _WarnsAtEachForecast()}, panel, 3, 6, n_origins=2)
    assert [str(w.message) for w in caught] == [
        "forecast without a fit (model 'w': 6 times, at all 2 origins)"]
    # a filter by message keeps matching, and "ignore" still drops it before it is counted
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.filterwarnings("ignore", message="FORECAST WITHOUT")  # re.I, as Python's
        backtest({"w": _WarnsAtEachForecast()}, panel, 3, 6, n_origins=2)
    assert not caught
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("ignore")
        warnings.filterwarnings("default", message="forecast without", category=UserWarning)
        backtest({"w": _WarnsAtEachForecast()}, panel, 3, 6, n_origins=2)
    assert [str(w.message) for w in caught] == [
        "forecast without a fit (model 'w': 6 times, at all 2 origins)"]


def _two_series_csv(path, times, b_length):
    """Series A over every time; B over the first ``b_length`` (it ends earlier)."""
    values = 100 + 10 * np.sin(np.arange(len(times)) * 2 * np.pi / 12) + np.arange(len(times))
    lines = ["id,date,value"]
    lines += [f"A,{t},{v:.3f}" for t, v in zip(times, values)]
    lines += [f"B,{t},{v * 1.1:.3f}" for t, v in zip(times[:b_length], values)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _business_days(n):
    days = np.arange(np.datetime64("2020-01-01"), np.datetime64("2021-01-01"))
    days = days[np.is_busday(days)][:n]
    return [str(day) for day in days]


def _half_hours(n):
    start = np.datetime64("2020-01-01T00:00")
    return [str(start + np.timedelta64(30 * k, "m")) for k in range(n)]


@pytest.mark.filterwarnings("ignore:.*gaps in their times:UserWarning")  # weekends, said
@pytest.mark.parametrize("times", [_business_days(72), _half_hours(72)],
                         ids=["business-days", "half-hours"])
def test_compare_warns_of_series_ending_at_different_dates_without_a_calendar_step(
        tmp_path, times):
    # only dates stepping by a calendar unit were compared: series of business days (or
    # half-hours) ending 12 steps apart trained the attention model on A's values dated inside
    # B's hold-out without a word (leakage audit, session 34)
    from skattn.__main__ import main

    path = _two_series_csv(tmp_path / "panel.csv", times, 60)
    with pytest.warns(UserWarning, match=r"the series end at 2 different times in 'date'"):
        main(["compare", "--dataset", path, "--id-column", "id", "--models", "naive",
              "--horizon", "12", "--season-length", "12", "--output", "none", "--quiet"])
    # ending together: nothing said
    path = _two_series_csv(tmp_path / "aligned.csv", times, 72)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(["compare", "--dataset", path, "--id-column", "id", "--models", "naive",
              "--horizon", "12", "--season-length", "12", "--output", "none", "--quiet"])
    assert not [w for w in caught if "different times" in str(w.message)]


def _monthly(n=60):
    import pandas as pd

    index = pd.date_range("2020-01-01", periods=n, freq="MS")
    return (pd.Series(10 + np.sin(np.arange(n) / 3), index=index),
            pd.Series(np.cos(np.arange(n)), index=index))


def test_covariates_of_the_other_kind_of_time_index_are_compared_as_periods():
    # a PeriodIndex against a DatetimeIndex was not compared at all: covariates two months
    # early were paired by position (metamorphic review, session 34)
    import pandas as pd

    from skattn import last_windows, make_windows

    series, covariate = _monthly()
    early = pd.Series(covariate.to_numpy(), index=pd.period_range("2019-11", periods=60, freq="M"))
    with pytest.raises(ValueError, match=r"the times of covariates are not those of series: "
                                         r"position 0 is 2019-11 in covariates and 2020-01-01"):
        make_windows(series, 12, 3, covariates=early)
    with pytest.raises(ValueError, match="position 0 is 2019-11-01 00:00:00 in covariates and "
                                         "2020-01 in series"):
        make_windows(series.to_period("M"), 12, 3, covariates=early.to_timestamp())
    with pytest.raises(ValueError, match="not those of series"):
        last_windows(series, 12, covariates=early)
    # the same months in either kind (month ends, and an aware index by its wall times) pair
    X, _ = make_windows(series, 12, 3, covariates=covariate.to_period("M"))
    X_month_ends, _ = make_windows(series.to_period("M").to_timestamp(how="end"), 12, 3,
                                   covariates=covariate.to_period("M"))
    X_aware, _ = make_windows(series.tz_localize("Europe/Paris"), 12, 3,
                              covariates=covariate.to_period("M"))
    assert np.array_equal(X, X_month_ends) and np.array_equal(X, X_aware)
    # periods of two frequencies: named, not pandas' IncompatibleFrequency
    daily = pd.Series(covariate.to_numpy(), index=pd.period_range("2020-01-01", periods=60,
                                                                  freq="D"))
    with pytest.raises(ValueError, match="the times of series are periods of M and those of "
                                         "covariates of D"):
        make_windows(series.to_period("M"), 12, 3, covariates=daily)


@pytest.mark.filterwarnings("ignore:future_covariates are read only:UserWarning")  # the test's
def test_future_covariates_of_the_other_kind_or_frequency_are_checked():
    # future covariates six years early with a PeriodIndex against a DatetimeIndex history were
    # taken as the next steps; of another period frequency, pandas' IncompatibleFrequency came
    # out of the check (metamorphic review, session 34)
    import pandas as pd

    from skattn import AttentionForecaster, make_windows

    series, covariate = _monthly()
    X, y = make_windows(series.to_numpy(), 12, 3, covariates=covariate.to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AttentionForecaster(d_model=8, n_heads=2, n_layers=1, max_epochs=1,
                                    random_state=0, n_jobs=1).fit(X, y)
    history = pd.DataFrame({"y": series, "c": covariate})
    future = pd.DataFrame({"c": np.arange(6.0)},
                          index=pd.period_range("2025-01", periods=6, freq="M"))
    early = future.set_axis(pd.period_range("2019-01", periods=6, freq="M"))
    with pytest.raises(ValueError, match="future_covariates starts at 2019-01, not after the "
                                         "history's last time 2024-12-01"):
        model.forecast(history, 6, future_covariates=early)
    with pytest.raises(ValueError, match="future_covariates starts at 2025-02-01 00:00:00, not "
                                         "at the step after the history's last time 2024-12 "
                                         r"\(2025-01\)"):
        model.forecast(history.to_period("M"), 6,
                       future_covariates=future.to_timestamp().shift(1, freq="MS"))
    daily = future.set_axis(pd.period_range("2025-01-01", periods=6, freq="D"))
    with pytest.raises(ValueError, match="the times of the history are periods of M and those "
                                         "of future_covariates of D"):
        model.forecast(history.to_period("M"), 6, future_covariates=daily)
    # the right months in either kind: the forecast of the arrays
    expected = model.forecast(history.to_numpy(), 6, future_covariates=future.to_numpy())
    for given_history, given_future in ((history, future),
                                        (history.to_period("M"), future.to_timestamp())):
        assert np.array_equal(np.asarray(model.forecast(given_history, 6,
                                                        future_covariates=given_future)),
                              expected)


@pytest.mark.parametrize("metric", ["mase", "msis"])
def test_one_forecast_with_several_histories_is_told_to_give_rows(metric):
    # 5 one-step forecasts, 1-D, with their 5 histories: "y_train must be 1-D", or for histories
    # of different lengths that an array needs rows of one length (metamorphic review, s. 34)
    from skattn import metrics

    rng = np.random.default_rng(0)
    y_true = rng.uniform(1, 10, 5)
    score = {"mase": lambda t, h: metrics.mase(t, t + 1, h),
             "msis": lambda t, h: metrics.msis(t, t - 1, t + 1, h)}[metric]
    for histories in ([rng.uniform(1, 10, 8) for _ in range(5)],
                      [rng.uniform(1, 10, 8 + k) for k in range(5)],
                      np.vstack([rng.uniform(1, 10, 8) for _ in range(5)])):
        with pytest.raises(ValueError, match=rf"^{metric}: y_true is 1-D, one forecast of 5 "
                                             r"value\(s\) from one history, but y_train holds 5 "
                                             r"histories; .* y_true.reshape\(-1, 1\)$"):
            score(y_true, histories)
        # as rows: one score over the five series
        assert np.isfinite(score(y_true.reshape(-1, 1), list(histories)))
    # one history, as a list of numbers: one forecast, as before
    assert np.isfinite(score(y_true, list(rng.uniform(1, 10, 8))))
    # one history as a column, or in a list of one: said so (review of the session's diff)
    history = rng.uniform(1, 10, 8)
    with pytest.raises(ValueError, match=r"y_train must be 1-D, got shape \(8, 1\): one history "
                                         r"as a column\? pass it 1-D"):
        score(y_true, history[:, None])
    with pytest.raises(ValueError, match=r"y_train a list of one history: give the history "
                                         r"itself \(y_train\[0\]\), or .* "
                                         r"\(y_true.reshape\(1, -1\)\)$"):
        score(y_true, [history])
    assert score(y_true[None, :], [history]) == score(y_true, history)


def _fit_refused(model, X, y):
    with pytest.raises(ValueError):
        model.fit(X, y)


def test_a_refused_fit_leaves_baselines_and_last_steps_unfitted():
    # the windows' check recorded n_features_in_ (and column names) before y, or a NaN in a
    # frame, was refused: a refused first fit passed check_is_fitted and predicted an
    # AttributeError; a refused refit predicted with the refused X's width and the old horizon
    # (tags review, session 34)
    import pandas as pd
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from skattn import LastSteps, make_windows
    from skattn.baselines import NaiveForecaster, SeasonalNaiveForecaster, ThetaForecaster

    series = 10 + np.sin(np.arange(100.0))
    X, y = make_windows(series, 12, 3)
    X8, y8 = make_windows(series, 8, 3)
    y8_bad = y8.copy()
    y8_bad[3] = np.nan  # a window with no observed target: refused
    frame = pd.DataFrame(X8.copy(), columns=[f"lag{k}" for k in range(8)])  # (X8 unchanged)
    frame.iloc[2, 1] = np.nan
    for model in (NaiveForecaster(), SeasonalNaiveForecaster(4), ThetaForecaster()):
        _fit_refused(model, X8, y8_bad)
        with pytest.raises(NotFittedError):
            check_is_fitted(model)
        with pytest.raises(NotFittedError):
            model.predict(X8)
        # a refit refused, after a fit: unfitted, not the refused X's width beside the old fit
        model.fit(X, y)
        for bad_X, bad_y in ((X8, y8_bad), (frame, y8)):
            _fit_refused(model, bad_X, bad_y)
            assert not [name for name in vars(model) if name.endswith("_")], type(model)
            with pytest.raises(NotFittedError):
                model.predict(X)
            model.fit(X, y)
        assert model.predict(X).shape == (len(X), 3)
        # y None; and an "error" filter raising the targets' check (its own path in fit)
        _fit_refused(model, X8, None)
        assert not [name for name in vars(model) if name.endswith("_")]
        model.fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(Warning):
                model.fit(X8, y8 * 1000 + 5)  # targets in other units than the windows
        assert not [name for name in vars(model) if name.endswith("_")]
        assert not hasattr(model, "_fit_settings")
    # settings a refit refuses: the old fit predicted on under the new settings (review of the
    # session's tests)
    from skattn.baselines import ETSForecaster

    ets = ETSForecaster(model="ZZN").fit(X, y)
    _fit_refused(ets.set_params(model="AMN"), X, y)
    with pytest.raises(NotFittedError):
        ets.predict(X)
    steps = LastSteps(4).fit(X)
    _fit_refused(steps, frame, None)
    assert not hasattr(steps, "feature_names_in_") and not hasattr(steps, "n_features_in_")
    with pytest.raises(NotFittedError):
        steps.transform(X)


def test_target_tags_say_what_fit_takes():
    # a trend head refuses a 1-D y, which its single_output tag said it took; wrappers of a search
    # declared multi_output=False, as the search's tags do, and fitted several columns (tags
    # review, session 34)
    from sklearn.model_selection import GridSearchCV
    from sklearn.utils import get_tags

    from skattn import AttentionForecaster, ForecastEnsemble, make_attention_ensemble
    from skattn.model_selection import PredictForecaster
    from skattn.seasonal import DeseasonalizedForecaster

    def targets(estimator):
        tags = get_tags(estimator).target_tags
        return tags.single_output, tags.multi_output

    assert targets(AttentionForecaster()) == (True, True)
    assert targets(AttentionForecaster(trend_degree=0)) == (True, True)
    assert targets(AttentionForecaster(trend_degree=2)) == (False, True)
    assert targets(DeseasonalizedForecaster(AttentionForecaster(trend_degree=1))) == (False, True)
    assert targets(make_attention_ensemble((8,), season_length=4)) == (False, True)
    # a Pipeline ending in "passthrough" (or None) has no estimator to read: its own tags, as
    # before (an AttributeError of None; review of the session's diff)
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    for last in ("passthrough", None):
        pipeline = Pipeline([("scale", StandardScaler()), ("last", last)])
        assert targets(PredictForecaster(pipeline)) == targets(pipeline)
        assert targets(DeseasonalizedForecaster(pipeline)) == targets(pipeline)
    search = GridSearchCV(AttentionForecaster(), {"d_model": [8, 16]})
    for wrapper in (ForecastEnsemble([("s", search)]), PredictForecaster(search),
                    DeseasonalizedForecaster(search)):
        assert targets(wrapper) == (True, True), type(wrapper)


def test_backtest_refuses_covariate_frames_whose_names_are_in_another_order():
    # make_windows refused them (session 33); backtest turned the frames into arrays first and
    # put promo in the second series' price channel (polars trial, session 34)
    import pandas as pd

    from skattn.baselines import NaiveForecaster
    from skattn.model_selection import backtest

    rng = np.random.default_rng(0)
    series = [10 + rng.normal(size=40), 20 + rng.normal(size=40)]
    frames = [pd.DataFrame({"price": rng.normal(size=40), "promo": rng.normal(size=40)})
              for _ in series]
    with pytest.raises(ValueError, match=r"covariates\[1\] has the columns \['promo', 'price'\] "
                                         r"and covariates\[0\] \['price', 'promo'\]"):
        backtest(NaiveForecaster(), series, 3, 8,
                 covariates=[frames[0], frames[1][["promo", "price"]]])
    backtest(NaiveForecaster(), series, 3, 8, covariates=frames)  # one order: as before


def test_polars_frames_with_dates_or_text_are_refused_by_column():
    # NumPy turned a polars Datetime column beside numbers into epoch microseconds (~1.7e15) in
    # every window, fit, backtest and metric; pandas' was refused by name (polars trial, s. 34)
    pl = pytest.importorskip("polars")
    from skattn import make_windows
    from skattn.baselines import NaiveForecaster
    from skattn.metrics import mae

    rng = np.random.default_rng(0)
    y = np.sin(np.arange(40) / 3)
    dates = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 2, 9), "1d", eager=True)
    covariates = pl.DataFrame({"temp": rng.normal(size=40), "date": dates})
    with pytest.raises(ValueError, match="^covariates must be numeric: column 'date' holds Date "
                                         r"values \(dates or durations\)"):
        make_windows(y, 6, covariates=covariates)
    with pytest.raises(ValueError, match="column 'when' holds Datetime"):
        make_windows(y, 6, covariates=covariates.with_columns(
            when=pl.col("date").cast(pl.Datetime)).drop("date"))
    with pytest.raises(ValueError, match="^covariates must be numeric: column 'city' holds text "
                                         "values"):
        make_windows(y, 6, covariates=covariates.with_columns(city=pl.lit("Lyon")).drop("date"))
    X, Y = make_windows(y, 6)
    frame = pl.DataFrame(X, schema=[f"lag{k}" for k in range(6)])
    with pytest.raises(ValueError, match="^X must be numeric: column 'date' holds Date"):
        NaiveForecaster().fit(frame.with_columns(date=dates[:len(Y)]), Y)
    truth = pl.DataFrame({"v": [1.0, 2.0, 3.0], "date": dates[:3]})
    with pytest.raises(ValueError, match="^y_true must be numeric: column 'date' holds Date"):
        mae(truth, truth.with_columns(pl.col("v") + 1))
    # numbers and booleans: the numbers of the arrays
    numbers = covariates.drop("date").with_columns(flag=pl.Series([k % 2 == 0 for k in range(40)]))
    X_polars, _ = make_windows(y, 6, covariates=numbers)
    X_numpy, _ = make_windows(y, 6, covariates=numbers.to_numpy().astype(float))
    assert np.array_equal(X_polars, X_numpy)


def test_polars_windows_with_missing_values_get_the_located_message():
    # polars' to_numpy takes no dtype/na_value: scikit-learn's generic message came instead
    # (polars trial, session 34)
    pl = pytest.importorskip("polars")
    from skattn import make_windows
    from skattn.baselines import NaiveForecaster

    X, y = make_windows(np.sin(np.arange(40) / 3), 5)
    X[3, 2] = np.nan
    for frame in (pl.DataFrame(X), pl.DataFrame(X).fill_nan(None)):  # NaN, and polars' null
        with pytest.raises(ValueError, match=r"X contains NaN or infinity \(1 NaN in 1 of its 35 "
                                             r"windows, the first in window 3, time step 2\)"):
            NaiveForecaster().fit(frame, y)


def test_ids_written_two_ways_explain_the_series_skip_short_leaves_out(tmp_path, capsys):
    # '7' written '07' in its last 20 rows: two short series that --skip-short left out, and the
    # warning that says why was dropped with them (review of the session's diff)
    from skattn.__main__ import main

    path = tmp_path / "alike.csv"
    rows = ["id,y"] + [f"{name},{100 + k % 5 + k}" for name in "AB" for k in range(40)]
    rows += [f"{'7' if k < 20 else '07'},{50 + k % 3}" for k in range(40)]
    path.write_text("\n".join(rows) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(["compare", "--dataset", str(path), "--id-column", "id", "--value-column", "y",
              "--models", "naive", "--output", "none", "--quiet", "--skip-short",
              "--horizon", "12", "--season-length", "12"])
    messages = [str(w.message) for w in caught]
    assert [m for m in messages if "left out (series '7', '07')" in m]
    assert [m for m in messages if "'7' (line 82) and '07' (line 102)" in m], messages


def test_dates_outside_their_period_are_refused():
    # pandas puts a Saturday in Monday's business-day period: future covariates dated Saturday
    # to Monday against a history of business-day periods were all Monday's (review of the
    # session's diff)
    import pandas as pd

    from skattn.windows import check_future_times

    days = pd.bdate_range("2024-01-01", periods=5)  # Monday to Friday
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pandas deprecates business-day periods
        periods = days.to_period("B")
    history = pd.Series(np.arange(5.0), index=periods)
    weekend = pd.DataFrame({"promo": [1.0, 0.0, 0.0]},
                           index=pd.date_range("2024-01-06", periods=3, freq="D"))
    with pytest.raises(ValueError, match=r"the times of future_covariates are dates and those of "
                                         r"the history periods of B, and 2024-01-06 00:00:00 "
                                         r"\(position 0\) lies in no such period"):
        check_future_times(history, weekend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and nothing said from inside the package
        check_future_times(history, weekend.iloc[2:])  # Monday: the next business day


def test_a_text_index_of_times_with_utc_offsets_is_checked_in_utc():
    # pandas 3's read_csv(parse_dates=...) leaves times of changing UTC offsets as text: a
    # newest-first export across a clock change was read backwards again (pandas 3 trial)
    import pandas as pd

    from skattn import make_windows

    times = pd.date_range("2024-03-30T20:00", periods=12, freq="h", tz="Europe/Paris")
    text = [time_.isoformat() for time_ in times]  # +01:00, then +02:00
    assert len({cell[-6:] for cell in text}) == 2
    for dtype in (object, "string"):
        newest_first = pd.Series(np.arange(12.0)[::-1], index=pd.Index(text[::-1], dtype=dtype))
        with pytest.raises(ValueError, match="runs newest first"):
            make_windows(newest_first, 4, 1)
        oldest_first = pd.Series(np.arange(12.0), index=pd.Index(text, dtype=dtype))
        X, _ = make_windows(oldest_first, 4, 1)
        assert np.array_equal(X[0], [0.0, 1.0, 2.0, 3.0])
    # other text is no time index, as before
    make_windows(pd.Series(np.arange(12.0), index=[f"row{k}" for k in range(12)]), 4, 1)


def test_a_frequency_pandas_infers_as_an_offset_is_read_as_its_name():
    # pandas 3 warns that inferred_freq will return an offset, which a later pandas does: the
    # remedy then read values.asfreq(<BusinessDay>) (pandas 3 trial, session 34)
    import pandas as pd

    from skattn.windows import _infer_freq

    class Index:
        freq = None
        inferred_freq = pd.offsets.BusinessDay()

        def __len__(self):
            return 10

    name = _infer_freq(pd, Index())
    assert isinstance(name, str) and name == "B"  # (an offset compares equal to its name)


def test_dates_beyond_2262_pair_with_their_periods():
    # the check that dates lie inside their periods asked pandas for nanosecond bounds, which
    # stop in 2262: such dates were refused as of kinds that cannot be matched (review of the
    # mends)
    import pandas as pd

    from skattn import make_windows

    months = np.arange(np.datetime64("2290-01"), np.datetime64("2292-01"))  # 24 months
    dates = pd.DatetimeIndex(months.astype("datetime64[D]").astype("datetime64[s]"))
    series = pd.Series(np.arange(24.0), index=pd.PeriodIndex(months.astype(str), freq="M"))
    covariates = pd.Series(np.arange(24.0) * 2, index=dates)
    X, _ = make_windows(series, 6, 2, covariates=covariates)
    assert np.array_equal(X[0, :, 1], np.arange(6.0) * 2)
