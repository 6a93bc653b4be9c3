/**
 * Benchmarks of the sampling loop on a real model: the network's throughput for each forward batch, as
 * ratios against a baseline measured in the same run, and the share of a sampling step that is not the
 * network. No Spark.
 */
package org.ddimspark.benchmark;
