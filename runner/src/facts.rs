//! Step 4 of the data path: what an image *is*, measured through the engine. This type is the `"image"` object of
//! `check --json` and `inspect --json`, so its field names are part of the JSON contract.

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageFacts {
    #[serde(rename = "ref")]
    pub reference: String,
    pub id: String,
    /// Sum of the layer sizes the image history reports (what a pull transfers, uncompressed).
    pub size_bytes: u64,
    pub layers: Vec<Layer>,
    /// Paths of every shell found; empty means none.
    pub shells: Vec<String>,
    /// How shells were looked for: `stat` (fast path) or `deep` (every file of every layer).
    pub shell_scan: String,
    pub user: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub env: Vec<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    /// OS packages recorded by dpkg/apk/rpm, when any database is present.
    pub packages: Option<usize>,
    pub package_managers: Vec<String>,
    /// Set when the image is (or is built on) a local stand-in for an upstream image.
    pub standin: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Layer {
    pub size_bytes: u64,
    pub created_by: String,
}
