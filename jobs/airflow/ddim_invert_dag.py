"""Airflow DAG: invert the new images of a growing S3 folder into one Parquet output every 30 minutes.

Each run is `ddim invert --resume`: only the files whose id the output lacks are inverted. max_active_runs=1
makes sure two runs never write the output at once. Needs the apache-airflow-providers-apache-spark package
and a Spark connection (`spark_default`) that points at the cluster; the application jar is built with
`mvn -B -DskipTests package` (target/ddim-spark-0.1.0-SNAPSHOT-spark.jar) and copied where the cluster reads it.
Credentials come from the executors' standard AWS chain (instance or pod role), never from this file.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAR = "s3a://my-bucket/jars/ddim-spark-0.1.0-SNAPSHOT-spark.jar"
INPUT = "s3a://my-bucket/incoming"
OUTPUT = "s3a://my-bucket/latents"

with DAG(
    dag_id="ddim_invert",
    description="DDIM latents of the new images of a growing folder",
    start_date=datetime(2026, 12, 1),
    schedule="*/30 * * * *",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["ddim-spark"],
) as dag:
    SparkSubmitOperator(
        task_id="invert",
        conn_id="spark_default",
        application=JAR,
        java_class="org.ddimspark.cli.Main",
        name="ddim-invert",
        application_args=[
            "invert",
            "--input", INPUT,
            "--output", OUTPUT,
            "--resume",
            "--steps", "50",
            "--quiet",
        ],
        conf={
            # the S3A magic committer (the job chooses it for an s3a:// output; explicit here)
            "spark.hadoop.fs.s3a.committer.name": "magic",
            "spark.sql.sources.commitProtocolClass": "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol",
            "spark.sql.parquet.output.committer.class": "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter",
            "spark.hadoop.fs.s3a.retry.limit": "5",
            "spark.executor.cores": "4",
            "spark.executor.memory": "6g",
            "spark.executor.memoryOverhead": "4g",
            "spark.executorEnv.ENGINE_CACHE_DIR": "/var/cache/ddim-spark/djl",
            "spark.executorEnv.ONEDNN_MAX_CPU_ISA": "AVX2",
            "spark.executor.extraJavaOptions": "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 "
            "-Dddim.model.cache=/var/cache/ddim-spark",
        },
        env_vars={"ONEDNN_MAX_CPU_ISA": "AVX2"},
        execution_timeout=timedelta(hours=6),
    )
