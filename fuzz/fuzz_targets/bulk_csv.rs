//! police.uk's street, outcomes and stop-and-search CSVs, as `peel import`
//! reads them: any bytes, under a police.uk file name (so rows must agree
//! with its force and month) or none.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = [
    "upload.csv",
    "2024-03-city-of-london-street.csv",
    "2024-03-bedfordshire-outcomes.csv",
    "2024-03-kent-stop-and-search.csv",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else { return };
    let name = NAMES[usize::from(first) % NAMES.len()];
    if let Some((rows, refused)) = peel_import::fuzzing::bulk_csv(name, bytes) {
        // Each row is read or refused; the lines can hold no more than that.
        let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
        assert!(rows + refused <= lines, "{rows} rows and {refused} refused from {lines} lines");
    }
});
