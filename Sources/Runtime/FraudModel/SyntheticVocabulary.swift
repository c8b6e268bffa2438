/// Word lists for `SyntheticOrders`. Names are `display|romanization` when the display form is not in Latin
/// letters; the romanization is what customers put in their e-mail addresses.
enum SyntheticVocabulary {
    /// One naming culture: given names, family names and the countries its customers mostly live in.
    struct Culture {
        var givenNames: [String]
        var familyNames: [String]
        /// Country spellings as customers type them (several spellings of one country normalise alike).
        var countries: [String]
        var cities: [String]
    }

    static let cultures: [Culture] = [
        Culture(
            givenNames: [
                "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "Emily",
                "Daniel", "Sarah", "Matthew", "Olivia", "Chris",
            ],
            familyNames: [
                "Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "O'Connor", "Taylor",
                "Anderson", "Thompson", "Walker", "Harris",
            ],
            countries: ["USA", "United States", "US"],
            cities: ["Springfield", "Austin", "Portland", "Denver", "Boston"]),
        Culture(
            givenNames: ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Jack", "Sophie"],
            familyNames: ["Jones", "Evans", "Wilson", "Wright", "Robinson", "Hughes", "Clarke"],
            countries: ["United Kingdom", "UK", "GB"],
            cities: ["London", "Leeds", "Bristol", "Manchester"]),
        Culture(
            givenNames: ["Mari", "Kadri", "Liis", "Andres", "Tõnu", "Jüri", "Kristjan", "Triin", "Märt"],
            familyNames: ["Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn"],
            countries: ["Estonia", "EE", "Eesti"],
            cities: ["Tartu", "Tallinn", "Pärnu", "Viljandi"]),
        Culture(
            givenNames: ["Lukas", "Anna", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Johanna"],
            familyNames: ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann"],
            countries: ["Germany", "DE", "Deutschland"],
            cities: ["Berlin", "Hamburg", "München", "Köln"]),
        Culture(
            givenNames: ["José", "María", "Lucía", "Javier", "Carmen", "Alejandro", "Sofía", "Diego"],
            familyNames: ["García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez"],
            countries: ["Spain", "ES", "Mexico", "MX"],
            cities: ["Madrid", "Sevilla", "Guadalajara", "Valencia"]),
        Culture(
            givenNames: ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Jean-Pierre", "Manon"],
            familyNames: ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent"],
            countries: ["France", "FR"],
            cities: ["Paris", "Lyon", "Toulouse", "Nantes"]),
        Culture(
            givenNames: ["Aino", "Eero", "Liisa", "Mikko", "Sanna", "Juha", "Veera"],
            familyNames: ["Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine"],
            countries: ["Finland", "FI", "Suomi"],
            cities: ["Helsinki", "Espoo", "Tampere", "Turku"]),
        Culture(
            givenNames: ["Chinedu", "Ngozi", "Oluwaseun", "Adaeze", "Emeka", "Funmilayo", "Tunde"],
            familyNames: ["Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu"],
            countries: ["Nigeria", "NG"],
            cities: ["Lagos", "Abuja", "Ibadan", "Enugu"]),
        Culture(
            givenNames: ["Priya", "Arjun", "Ananya", "Rahul", "Deepika", "Vikram", "Lakshmi"],
            familyNames: ["Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Singh"],
            countries: ["India", "IN"],
            cities: ["Bengaluru", "Mumbai", "Chennai", "Pune"]),
        Culture(
            givenNames: ["Wei", "Xiu Ying", "Hao", "Mei", "Jun", "Li Na"],
            familyNames: ["Zhang", "Wang", "Li", "Liu", "Chen", "Huang"],
            countries: ["China", "CN"],
            cities: ["Shanghai", "Chengdu", "Hangzhou"]),
        Culture(
            givenNames: ["Иван|ivan", "Анна|anna", "Дмитрий|dmitry", "Ольга|olga", "Сергей|sergey", "Мария|maria"],
            familyNames: [
                "Петров|petrov", "Иванова|ivanova", "Смирнов|smirnov", "Кузнецова|kuznetsova",
                "Соколов|sokolov",
            ],
            countries: ["Latvia", "LV", "Ukraine", "UA"],
            cities: ["Riga", "Kyiv", "Daugavpils", "Lviv"]),
        Culture(
            givenNames: ["Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina"],
            familyNames: ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"],
            countries: ["Japan", "JP"],
            cities: ["Tokyo", "Osaka", "Sapporo", "Kyoto"]),
        Culture(
            givenNames: ["Ahmed", "Fatima", "Omar", "Layla", "Yusuf", "Amira"],
            familyNames: ["Hassan", "Al-Sayed", "Haddad", "Mansour", "Khalil", "Nasser"],
            countries: ["Canada", "CA", "Netherlands", "NL"],
            cities: ["Toronto", "Montreal", "Amsterdam", "Rotterdam"]),
    ]

    /// Mainstream mailbox providers.
    static let commonDomains = [
        "gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de",
        "web.de", "proton.me", "mail.ee", "ut.ee", "orange.fr", "yandex.ru", "qq.com", "aol.com",
    ]

    /// Throwaway mailbox domains (a subset of `ContactAddress.disposableDomains`).
    static let disposableDomains = [
        "mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.com", "yopmail.com", "trashmail.com",
        "getnada.com", "sharklasers.com", "maildrop.cc", "burnermail.io",
    ]

    /// Handles legitimate customers use that do not mention their name.
    static let handles = [
        "bookworm", "sunny.reader", "night.owl", "cat.lover", "runner", "coffee.addict", "the.librarian",
        "pagesturner", "moonlight", "blue.fox",
    ]

    /// Countries where fraudsters' drop addresses are in the synthetic world.
    static let dropCountries = ["Nigeria", "NG", "Russia", "RU", "Ukraine", "Brazil", "BR", "China", "Lithuania"]

    static let titles = [
        "Designing Data-Intensive Applications", "Distributed Systems", "The Pragmatic Programmer", "Clean Code",
        "Structure and Interpretation of Computer Programs", "The Art of Computer Programming", "Dune",
        "Pride and Prejudice", "One Hundred Years of Solitude", "Kalevala", "Tõde ja õigus", "Things Fall Apart",
        "The Tale of Genji", "War and Peace", "Don Quixote", "Les Misérables", "Faust", "The Little Prince",
        "Introduction to Algorithms", "Database Internals", "Book A", "Book B",
    ]

    static let comments = [
        "Please handle with care.", "Leave at the front door.", "Gift for my sister, thanks!",
        "Please deliver after 5 pm.", "Ring the bell twice.", "Could you use paper packaging?",
        "Thank you!", "Second copy is for my book club.",
    ]

    static let giftMessages = [
        "Happy birthday!", "Merry Christmas, love from us", "Congratulations on graduating!", "Enjoy the read :)",
        "For you", "Thinking of you",
    ]

    static let streets = ["Main St", "Oak Avenue", "Riia 23", "Station Road", "Rue de la Paix", "Lindenstraße"]

    static let placeholderNames = ["test", "test test", "asdf", "qwerty", "foo bar", "xxx", "anonymous"]

    static let consonants = Array("bcdfghjklmnpqrstvwxz")
    static let vowels = Array("aeiou")
    static let alphanumerics = Array("abcdefghijklmnopqrstuvwxyz0123456789")
}
