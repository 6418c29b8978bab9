//! Polygon's integer codes for what the market model names with letters.
//!
//! The model (like the SIPs and Alpaca) names exchanges, tapes and conditions with letters;
//! Polygon sends integers: exchange ids from its `/v3/reference/exchanges` table, tapes as
//! 1/2/3, and its own sale-condition numbers. Unknown letters map to `None` and are left out
//! rather than guessed.

/// Polygon's exchange id for a SIP participant letter.
pub fn exchange_id(letter: char) -> Option<u8> {
    Some(match letter {
        'A' => 1,        // NYSE American
        'B' => 2,        // Nasdaq OMX BX
        'C' => 3,        // NYSE National
        'D' => 4,        // FINRA ADF / TRF
        'I' => 6,        // Nasdaq ISE
        'J' => 7,        // Cboe EDGA
        'K' => 8,        // Cboe EDGX
        'M' => 9,        // NYSE Chicago
        'N' => 10,       // NYSE
        'P' => 11,       // NYSE Arca
        'Q' | 'T' => 12, // Nasdaq
        'V' => 15,       // IEX
        'W' => 16,       // Cboe
        'X' => 17,       // Nasdaq PSX
        'Y' => 18,       // Cboe BYX
        'Z' => 19,       // Cboe BZX
        'H' => 20,       // MIAX Pearl
        'U' => 21,       // MEMX
        'L' => 22,       // LTSE
        _ => return None,
    })
}

/// Polygon's tape number: A → 1, B → 2, C → 3.
pub fn tape_id(letter: char) -> Option<u8> {
    match letter {
        'A' => Some(1),
        'B' => Some(2),
        'C' => Some(3),
        _ => None,
    }
}

/// Polygon's sale-condition number for a SIP/Alpaca trade condition; the regular-sale mark
/// `@` (and a blank) has none: Polygon leaves regular trades without conditions.
pub fn trade_condition(code: &str) -> Option<u8> {
    Some(match code {
        "F" => 14, // intermarket sweep
        "T" => 12, // Form T: extended hours
        "U" => 13, // extended hours, sold out of sequence
        "I" => 37, // odd lot
        "O" => 17, // market center opening trade
        "6" => 19, // market center closing trade
        "Z" => 32, // sold out of sequence
        "4" => 10, // derivatively priced
        "W" => 2,  // average price
        "X" => 41, // cross-trade / trade-through exempt
        _ => return None,
    })
}

/// Polygon's numbers for a trade's conditions, in order, without the unmapped ones.
pub fn trade_conditions(codes: &[&str]) -> Vec<u8> {
    codes.iter().filter_map(|c| trade_condition(c)).collect()
}

/// Polygon's quote condition: the model's quotes are all regular two-sided NBBO quotes
/// (`R`), which Polygon numbers 0.
pub fn quote_condition() -> u8 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchanges_tapes_and_conditions() {
        assert_eq!(exchange_id('N'), Some(10));
        assert_eq!(exchange_id('Q'), Some(12));
        assert_eq!(exchange_id('D'), Some(4));
        assert_eq!(exchange_id('V'), Some(15));
        assert_eq!(exchange_id('?'), None);
        assert_eq!(
            [tape_id('A'), tape_id('B'), tape_id('C'), tape_id('E')],
            [Some(1), Some(2), Some(3), None]
        );
        assert_eq!(trade_conditions(&["@", "F", "I"]), [14, 37]);
        assert_eq!(trade_conditions(&["@", "T"]), [12]);
        assert!(trade_conditions(&["@"]).is_empty());
        assert_eq!(quote_condition(), 0);
    }
}
