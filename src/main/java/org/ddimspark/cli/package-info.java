/**
 * The command line ({@code ddim sample | info}, on picocli), configuration files (HOCON, on Typesafe
 * Config) and the Spark session of a run. Everything here is checked before Spark starts.
 */
package org.ddimspark.cli;
