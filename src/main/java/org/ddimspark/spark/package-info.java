/**
 * The Spark jobs: request planning, the per-partition sampler on a per-JVM model, the Parquet output
 * schema of the contract, and the run report.
 */
package org.ddimspark.spark;
