//! `sqml_load_dataset(name [, table])`: a bundled dataset into a table,
//! replacing an earlier load into the same table (and nothing else).

use serde_json::json;

use super::args::{optional_text, text};
use crate::datasets;
use crate::sql::{check_writable, in_write_transaction, parse_name, quote, schemas};
use crate::{Arg, Db, Error, Value};

/// Written into the CREATE TABLE statement (which SQLite keeps in
/// `sqlite_master.sql`): a table that carries it was made by this function,
/// and only such a table is replaced by a later load.
const MARKER: &str = "/* sqml_load_dataset */";

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let name = text(args, 0, "name")?;
    let spec = datasets::find(name)?;
    let default_table = format!("dataset_{name}");
    let written = optional_text(args, 1, "table")?.unwrap_or(&default_table);
    let target = parse_name(&schemas(db)?, written);
    let schema = target.schema.unwrap_or_else(|| "main".to_string());
    let table = target.name;
    // Before the dataset is read: a read-only database fails at once.
    check_writable(db, &schema)?;
    let data = spec.read()?;
    in_write_transaction(db, |db| {
        check_table_name(&table)?;
        let qualified = format!("{}.{}", quote(&schema), quote(&table));
        // (type, made by this function) of what already has the name.
        let mut existing: Option<(String, bool)> = None;
        db.query(
            &format!(
                "SELECT +type, instr(+sql, ?2) > 0 FROM {}.sqlite_master
                  WHERE name = ?1 COLLATE NOCASE",
                quote(&schema)
            ),
            &[Value::from(table.as_str()), Value::from(MARKER)],
            &mut |row| {
                if let [Arg::Text(kind), ours] = row {
                    existing = Some((kind.to_string(), *ours == Arg::Integer(1)));
                }
                Ok(())
            },
        )?;
        match existing {
            None => {}
            Some((kind, true)) if kind == "table" => {
                db.execute(&format!("DROP TABLE {qualified}"), &[])?;
            }
            Some((kind, _)) => {
                return Err(Error::InvalidArgument(format!(
                    "{schema}.{table} already exists and is a {kind} that sqml_load_dataset did not \
                     create; it is left as it is. Name another table: sqml_load_dataset('{name}', '{name}_data')"
                )));
            }
        }
        let columns: Vec<String> = data
            .feature_names
            .iter()
            .map(|c| format!("{} REAL", quote(c)))
            .chain(["target REAL".to_string()])
            .collect();
        db.execute(
            &format!("CREATE TABLE {qualified} {MARKER} ({})", columns.join(", ")),
            &[],
        )?;
        let width = data.feature_names.len() + 1;
        let placeholders = vec!["?"; width].join(", ");
        let insert = format!("INSERT INTO {qualified} VALUES ({placeholders})");
        for row in data.values.chunks(width) {
            let params: Vec<Value> = row.iter().map(|&v| Value::Real(v)).collect();
            db.execute(&insert, &params)?;
        }
        Ok(())
    })?;
    let report = json!({
        "table": written,
        "feature_names": data.feature_names,
        "target_names": spec.target_names_json(),
        "size": data.rows(),
    });
    Ok(Value::Text(report.to_string()))
}

fn check_table_name(table: &str) -> Result<(), Error> {
    let lower = table.to_ascii_lowercase();
    if table.is_empty() {
        return Err(Error::InvalidArgument("table must not be empty".into()));
    }
    if lower.starts_with("sqlite_") || lower.starts_with("sqml_") {
        return Err(Error::InvalidArgument(format!(
            "table '{table}' is reserved (names starting with sqlite_ or sqml_ belong to SQLite and the catalog)"
        )));
    }
    Ok(())
}
