"""Shared fixtures for the Spark suite: one SparkSession for the whole run (starting one costs ~4 s)."""
import os
import shutil
import subprocess

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        pytest.fail("Java is not on PATH: Spark needs Java 17")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("kdm-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def node_script():
    """Runs a TypeScript script of the repo with node + tsx and returns its stdout."""

    def run(script, *args, timeout=300):
        done = subprocess.run(
            ["node", "--import", "tsx", os.path.join(REPO_ROOT, script), *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"{script} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    return run
