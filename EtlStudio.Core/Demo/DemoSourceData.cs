namespace EtlStudio.Core.Demo;

/// <summary>
/// SQL that fills the demo sources with people and orders that need cleaning: empty fields,
/// out-of-range values, the same customers in both systems with conflicting values, and orders
/// pointing at customers that do not exist. Deterministic (fixed random seed).
/// </summary>
internal static class DemoSourceData
{
    public const string Crm = """
        SELECT setseed(0.42);
        CREATE TABLE customers (
            id integer PRIMARY KEY, full_name text, email text, birth_date date, city text, zip text, yearly_income numeric, age integer);
        INSERT INTO customers
        SELECT g,
               CASE WHEN g % 37 = 0 THEN NULL ELSE (ARRAY['Anna','Boris','Chen','Dana','Emil','Fatima','Goran','Hana','Ivan','Jana'])[1 + g % 10]
                    || ' ' || (ARRAY['Novak','Schmidt','Rossi','Garcia','Kowalski','Ivanova','Dubois','Silva'])[1 + (g / 10) % 8] END,
               CASE WHEN g % 23 = 0 THEN '' ELSE 'customer' || g || '@example.org' END,
               date '1950-01-01' + ((random() * 20000)::int),
               (ARRAY['Berlin','Prague','Vienna','Lisbon','Warsaw','Madrid'])[1 + g % 6],
               lpad((10000 + (random() * 89999)::int)::text, 5, '0'),
               CASE WHEN g % 41 = 0 THEN NULL ELSE round((15000 + random() * 120000)::numeric, 2) END,
               CASE WHEN g % 29 = 0 THEN 150 WHEN g % 31 = 0 THEN -3 ELSE 18 + (random() * 70)::int END
        FROM generate_series(1, 500) g;
        """;

    public const string Billing = """
        SELECT setseed(0.17);
        CREATE TABLE clients (
            client_id integer PRIMARY KEY, name text, email text, city text, yearly_income numeric, age integer);
        -- Customers 400..650: 400..500 also live in the CRM, with other e-mails and incomes.
        INSERT INTO clients
        SELECT g, 'Client ' || g,
               CASE WHEN g % 19 = 0 THEN NULL ELSE 'billing' || g || '@example.com' END,
               (ARRAY['Berlin','Prague','Vienna','Lisbon','Warsaw','Madrid'])[1 + g % 6],
               round((20000 + random() * 90000)::numeric, 2),
               CASE WHEN g % 33 = 0 THEN 130 ELSE 20 + (random() * 60)::int END
        FROM generate_series(400, 650) g;
        CREATE TABLE orders (
            order_id integer PRIMARY KEY, customer_id integer, amount numeric, ordered_at timestamptz, status text);
        -- Customer ids up to 700: orders of 651..700 point at customers nobody has.
        INSERT INTO orders
        SELECT g, 1 + (random() * 699)::int,
               CASE WHEN g % 43 = 0 THEN -10 WHEN g % 47 = 0 THEN NULL ELSE round((5 + random() * 995)::numeric, 2) END,
               timestamptz '2024-01-01' + (random() * 600) * interval '1 day',
               (ARRAY['paid','open','refunded'])[1 + g % 3]
        FROM generate_series(1, 2000) g;
        """;
}
