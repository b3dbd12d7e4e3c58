"""The benchmark's seeder writes rows by hand: it must keep up with models.py."""

from bench.seed_ours import check_columns


def test_the_bench_seeder_fills_every_column_of_the_models():
    check_columns()  # raises SystemExit naming the columns out of step
