package org.ddimspark.spark;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet schemas of the contract (docs/CONTRACT.md, Output). The {@code image} struct is the layout that
 * Hugging Face {@code datasets} reads as an image.
 */
public final class OutputSchema {

    /** {@code struct<bytes: binary, path: string>}. */
    public static final StructType IMAGE = new StructType()
            .add("bytes", DataTypes.BinaryType, true)
            .add("path", DataTypes.StringType, true);

    /**
     * One row per sample request. Beyond the contract's columns, {@code spacing} and {@code sampler} (every
     * sampler setting in one string) make each row reproducible from itself. {@code sample} is null unless
     * the job ran with {@code --save-sample}; {@code image} is null on error rows, {@code latent} on the error
     * row of a stored latent that was missing ({@code --from-latents}).
     */
    public static final StructType SAMPLE = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("seed", DataTypes.LongType, false)
            .add("class_label", DataTypes.IntegerType, true)
            .add("steps", DataTypes.IntegerType, false)
            .add("eta", DataTypes.DoubleType, false)
            .add("guidance", DataTypes.DoubleType, false)
            .add("spacing", DataTypes.StringType, false)
            .add("sampler", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("latent", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("latent_shape", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("image", IMAGE, true)
            .add("sample", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true);

    /**
     * One row per input file of an inversion. {@code latent} is null when the file could not be used;
     * {@code image} (the reconstruction as PNG), {@code reconstruction_mse} and {@code reconstruction_psnr}
     * are null unless the job ran with {@code --reconstruct}, as are {@code round_trip_mse} and
     * {@code round_trip_max_error} (in model space, before 8-bit rounding). {@code latent} is x_T, or with
     * {@code --inverter exact} the pair of x_T and x at the next level ({@code latent_shape} [2, C, H, W]).
     * Beyond the contract's columns: {@code spacing}, {@code sampler}, {@code reconstruction_psnr} and the round trip's.
     */
    public static final StructType INVERSION = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("source", DataTypes.StringType, false)
            .add("steps", DataTypes.IntegerType, false)
            .add("spacing", DataTypes.StringType, false)
            .add("sampler", DataTypes.StringType, false)
            .add("fit", DataTypes.StringType, false)
            .add("max_pixels", DataTypes.LongType, false)
            .add("model", DataTypes.StringType, false)
            .add("latent", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("latent_shape", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("image", IMAGE, true)
            .add("reconstruction_mse", DataTypes.DoubleType, true)
            .add("reconstruction_psnr", DataTypes.DoubleType, true)
            .add("round_trip_mse", DataTypes.DoubleType, true)
            .add("round_trip_max_error", DataTypes.DoubleType, true)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true);

    /**
     * One row per frame of an interpolation: frame {@code frame} of pair {@code pair}, at {@code alpha} from
     * end point {@code a} (alpha 0) to {@code b} (alpha 1), named like the rows they come from (a sample id for
     * a seed, the id of a stored latent otherwise); {@code latent} is the interpolated x_T.
     */
    public static final StructType INTERPOLATION = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("pair", DataTypes.IntegerType, false)
            .add("a", DataTypes.StringType, false)
            .add("b", DataTypes.StringType, false)
            .add("frame", DataTypes.IntegerType, false)
            .add("alpha", DataTypes.DoubleType, false)
            .add("class_label", DataTypes.IntegerType, true)
            .add("steps", DataTypes.IntegerType, false)
            .add("eta", DataTypes.DoubleType, false)
            .add("guidance", DataTypes.DoubleType, false)
            .add("spacing", DataTypes.StringType, false)
            .add("sampler", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("latent", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("latent_shape", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("image", IMAGE, true)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true);

    /** The {@code status} of a row that succeeded. */
    public static final String OK = "ok";
    /** The {@code status} of a row that failed; {@code error} says why. */
    public static final String ERROR = "error";

    private OutputSchema() {}

    /**
     * Returns the file name of a row's PNG: its id, with {@code .png} added unless the id already ends so.
     *
     * @param id the row's id
     * @return the file name, which may contain '/' when the id does
     */
    public static String pngName(String id) {
        return id.toLowerCase(java.util.Locale.ROOT).endsWith(".png") ? id : id + ".png";
    }
}
