"""DynamoDB JSON -> plain JSON inside a JSONata state, with one recursive JSONata lambda.

Why here and not in a Lambda: AppSync resolver machines (getItem/query results) and EventBridge
Pipes enrichment machines (stream records' NewImage/OldImage) must hand plain JSON onwards without
a function hop. One expression serves both, and it is tested against boto3's TypeDeserializer.

Type mapping: S -> string, N -> number or string (rule below), BOOL -> boolean, NULL -> null,
B -> the base64 string as it travels in the wire JSON, SS/BS -> list of strings, NS -> list
(each element by the number rule), L -> list, M -> object; nested to any depth, empty L/M/sets
give [] / {}. Anything else (an object without exactly one type descriptor, an unknown
descriptor, an N that is not a decimal number) raises a JSONata error, which Step Functions
surfaces as ``States.QueryEvaluationError`` with a message starting ``DynamoDB JSON:``.

Number precision rule (the JSONPath projection in ``workflows.patterns.entity`` follows it too):
DynamoDB N keeps up to 38 significant digits (magnitudes 1e-130 .. 9.99e125) but a JSON number
in Step Functions is a double. An N becomes a JSON number only when a double holds it exactly and
every JSON writer prints it back with the same value: an integer with |n| <= 2**53
(9007199254740992, the "safe integer" range), or a non-integer with at most 15 significant digits
(any such decimal in DynamoDB's range survives decimal -> double -> shortest decimal). Zero
(including "-0") becomes 0. Everything else stays a STRING holding DynamoDB's exact digits, so no
precision is lost silently; a consumer that wants arithmetic on it opts in with ``$number``.
Integers beyond 2**53 stay strings even when short (``1.5E+125``): jsonata-python turns every
integral double into a Python int, so the engine would print 1.5e125 as its 126-digit binary
expansion (150000000000000007518...), which is not the number DynamoDB stored.
The number is rebuilt from its canonical digits ("0.<digits>e<exp>") so "+5", ".5" or "007"
parse as well.
"""

from __future__ import annotations

from workflows.core.jsonata import one_line

__all__ = [
    "UNMARSHAL_NAME",
    "UNMARSHAL_FUNCTION",
    "unmarshal_expr",
    "unmarshal_list_expr",
    "MAX_EXACT_SIGNIFICANT_DIGITS",
    "MAX_EXACT_INTEGER",
]

#: Name the lambda must be bound to (it calls itself through it).
UNMARSHAL_NAME = "$ddbUnmarshal"

#: Significant digits up to which a non-integer in DynamoDB's range round-trips through a double.
MAX_EXACT_SIGNIFICANT_DIGITS = 15
#: Largest integer magnitude kept as a JSON number (2**53: every integer up to it is exact).
MAX_EXACT_INTEGER = 2**53

# The number helper is a nested block so the lambda needs nothing bound but its own name.
# Groups of $match may be undefined when they did not take part: each is defaulted to "".
_NUMBER_BLOCK = r"""(
      $m := $match($x, /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/);
      $int := $m.groups[1] ? $m.groups[1] : "";
      $frac := $m.groups[2] ? $m.groups[2] : "";
      $exp := $m.groups[3] ? $number($replace($m.groups[3], "+", "")) : 0;
      $all := $int & $frac;
      ($not($exists($m)) or $length($all) = 0)
        ? $error("DynamoDB JSON: N must hold a decimal number, got " & $string($x));
      $noLead := $replace($all, /^0+/, "");
      $digits := $replace($noLead, /0+$/, "");
      $point := $length($int) + $exp - ($length($all) - $length($noLead));
      $sig := $length($digits);
      $sig = 0 ? 0
      : ($point >= $sig
          ? ($point < %(int_digits)d or ($point = %(int_digits)d and $pad($digits, %(int_digits)d, "0") <= "%(max_int)d"))
          : $sig <= %(max_sig)d)
        ? $number(($m.groups[0] = "-" ? "-" : "") & "0." & $digits & "e" & $string($point))
      : $x
    )"""

UNMARSHAL_FUNCTION: str = one_line(
    r"""function($v){(
  $k := $type($v) = "object" ? $keys($v) : undefined;
  $not($type($k) = "string")
    ? $error("DynamoDB JSON: expected an object with exactly one type descriptor "
             & "(S, N, B, BOOL, NULL, SS, NS, BS, L, M), got " & $string($v));
  $want := $lookup({"S": "string", "N": "string", "B": "string", "BOOL": "boolean", "NULL": "boolean",
                    "SS": "array", "NS": "array", "BS": "array", "L": "array", "M": "object"}, $k);
  $not($exists($want)) ? $error("DynamoDB JSON: unknown type descriptor " & $k);
  $x := $lookup($v, $k);
  $not($type($x) = $want)
    ? $error("DynamoDB JSON: " & $k & " must hold a JSON " & $want & ", got " & $string($x));
  $k = "S" ? $x
  : $k = "N" ? %(number)s
  : $k = "BOOL" ? $x
  : $k = "NULL" ? null
  : $k = "B" ? $x
  : $k = "SS" ? $x
  : $k = "BS" ? $x
  : $k = "NS" ? $reduce($x, function($acc, $e){ $append($acc, %(name)s({"N": $e})) }, [])
  : $k = "L" ? $reduce($x, function($acc, $e){(
        $r := %(name)s($e);
        $type($r) = "array" ? $append($acc, [[$r]]) : $append($acc, $r)
      )}, [])
  : $count($keys($x)) = 0 ? {}
  : $merge($each($x, function($e, $name){ {$name: %(name)s($e)} }))
)}"""
    % {
        "number": _NUMBER_BLOCK % {
            "max_sig": MAX_EXACT_SIGNIFICANT_DIGITS,
            "max_int": MAX_EXACT_INTEGER,
            "int_digits": len(str(MAX_EXACT_INTEGER)),
        },
        "name": UNMARSHAL_NAME,
    }
)
"""A JSONata lambda turning one DynamoDB attribute value into plain JSON.

It is recursive through ``$ddbUnmarshal``: bind it under that name (``unmarshal_expr`` does) before
calling it. Lists are built with ``$reduce``/``$append`` rather than ``$map`` because JSONata
unwraps one-element sequences, which would turn ``[[1, 2]]`` into ``[1, 2]``.
"""


def _bound(body: str) -> str:
    return one_line(f"( {UNMARSHAL_NAME} := {UNMARSHAL_FUNCTION};\n{body} )")


def unmarshal_expr(target: str) -> str:
    """JSONata (without ``{% %}``) unmarshalling the attribute map at ``target``.

    ``target`` is any JSONata expression, e.g. ``$states.result.Item`` or
    ``$states.input.dynamodb.NewImage``; it is evaluated once. Missing -> null (a getItem miss has no
    ``Item``), ``{}`` -> ``{}``, anything but an object -> a ``DynamoDB JSON:`` error.
    """
    return _bound(
        f"$item := ({target});\n"
        f"  $exists($item) ? {UNMARSHAL_NAME}({{\"M\": $item}}) : null"
    )


def unmarshal_list_expr(target: str) -> str:
    """JSONata unmarshalling an array of attribute maps at ``target`` (a query's ``Items``).

    Missing -> null, ``[]`` -> ``[]``; each element must be an attribute map.
    """
    return _bound(
        f"$items := ({target});\n"
        f"  $exists($items) ? {UNMARSHAL_NAME}({{\"L\": $reduce([$items], function($a, $i){{ $append($a, {{\"M\": $i}}) }}, [])}})\n"
        f"                  : null"
    )
