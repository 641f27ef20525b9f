public enum LatentDBVersion { public static let string = "0.1.0" }
