//! `peel export`: the open data back out as police.uk's bulk files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use peel_core::Month;
use peel_import::export;
use peel_store::Store;

/// Writes the files of `months` (every month when none are given), of one
/// force or all, into a folder laid out as police.uk's archive or into one
/// zip archive, and says what it wrote.
pub async fn run(store: &Store, months: &[Month], force: Option<&str>, out: &Path) -> Result<()> {
    if let Some(f) = force
        && peel_core::force::by_id(f).is_none()
    {
        bail!("{f:?} is not a police.uk force id (say city-of-london, bedfordshire, …; `peel export --help`)");
    }
    let files = export::files(store, months, force).await?;
    if files.is_empty() {
        bail!("nothing to export: no police.uk files were imported for those months and forces");
    }
    let is_zip = out.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if is_zip {
        // Written beside the target and renamed over it once whole, so a
        // failed export leaves no half archive.
        let partial = PathBuf::from(format!("{}.partial", out.display()));
        let file = std::fs::File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
        let written = export::archive(store, &files, std::io::BufWriter::new(file)).await;
        let file = match written {
            Ok(w) => w.into_inner().map_err(|e| e.into_error()),
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e.into());
            }
        };
        file.and_then(|f| f.sync_all()).with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, out)
            .with_context(|| format!("renaming {} to {}", partial.display(), out.display()))?;
    } else {
        for (month, kind, force_id) in &files {
            let Some(bytes) = export::force_month_csv(store, *kind, force_id, *month).await? else { continue };
            let path = out.join(export::archive_path(*month, force_id, *kind));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let months: std::collections::BTreeSet<Month> = files.iter().map(|f| f.0).collect();
    println!("wrote {} police.uk files ({} months) to {}", files.len(), months.len(), out.display());
    Ok(())
}
