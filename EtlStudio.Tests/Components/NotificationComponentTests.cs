using Bunit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Notifications;
using EtlStudio.Web.Components.Layout;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace EtlStudio.Tests.Components;

/// <summary>The notification bell and list over a fake inbox (the Core boundary they ask): the unread count, marking read, following links.</summary>
public sealed class NotificationComponentTests : MudTestContext
{
    private readonly Inbox _inbox = new();
    private readonly NotificationFeed _feed = new();
    private readonly Guid _userId;

    public NotificationComponentTests()
    {
        _userId = SignIn("dave");
        Services.AddSingleton<INotificationInbox>(_inbox);
        Services.AddSingleton(_feed);
    }

    private NotificationView Add(string title, string? link = null, bool read = false)
    {
        var n = new NotificationView(Guid.NewGuid(), title, $"{title} body", link, DateTimeOffset.UtcNow.AddMinutes(-_inbox.Items.Count), read);
        _inbox.Items.Add(n);
        return n;
    }

    [Fact]
    public void The_bell_shows_the_unread_count_and_says_it_to_screen_readers()
    {
        Add("Request approved");
        Add("Run finished");
        Add("Old news", read: true);
        var bell = Render<NotificationBell>();
        Assert.Equal("2", bell.Find("[data-testid=notification-count]").TextContent);
        Assert.Equal("Notifications, 2 unread", bell.Find("[data-testid=notification-bell]").GetAttribute("aria-label"));
        Assert.Equal(_userId, _inbox.AskedFor.Single());
    }

    [Fact]
    public void The_bell_shows_no_count_when_everything_is_read()
    {
        Add("Old news", read: true);
        var bell = Render<NotificationBell>();
        Assert.Empty(bell.FindAll("[data-testid=notification-count]"));
        Assert.Equal("Notifications, 0 unread", bell.Find("[data-testid=notification-bell]").GetAttribute("aria-label"));
    }

    [Fact]
    public void The_bell_counts_again_when_the_feed_says_this_user_has_news_and_not_for_others()
    {
        var bell = Render<NotificationBell>();
        Assert.Empty(bell.FindAll("[data-testid=notification-count]"));

        Add("Request denied");
        _feed.Publish([Guid.NewGuid()]); // someone else's news
        Assert.Single(_inbox.AskedFor);
        Assert.Empty(bell.FindAll("[data-testid=notification-count]"));

        _feed.Publish([_userId]);
        bell.WaitForAssertion(() => Assert.Equal("1", bell.Find("[data-testid=notification-count]").TextContent));
    }

    [Fact]
    public void The_list_marks_unread_notifications_for_screen_readers_and_mark_all_read_clears_them()
    {
        Add("Request approved");
        Add("Run finished", read: true);
        var list = ShowDialog<NotificationList>(_ => { });
        var items = list.FindAll("[data-testid=notification-list] [role=listitem]");
        Assert.Equal(["Unread: Request approved", "Run finished"], items.Select(i => i.GetAttribute("aria-label")));
        Assert.Single(list.FindAll(".etl-notification.unread"));

        list.Find("[data-testid=notifications-mark-all]").Click();
        Assert.Equal([null], _inbox.Marked);
        list.WaitForAssertion(() => Assert.Empty(list.FindAll(".etl-notification.unread")));
        Assert.Equal(["Request approved", "Run finished"], list.FindAll("[role=listitem]").Select(i => i.GetAttribute("aria-label")));
    }

    [Fact]
    public void Opening_an_unread_notification_marks_it_read_and_follows_its_link_a_read_one_is_not_marked_again()
    {
        var approved = Add("Request approved", "/connections");
        Add("Run finished", "/runs", read: true);
        var list = ShowDialog<NotificationList>(_ => { });

        list.FindAll("[role=listitem]")[0].Click();
        Assert.Equal([approved.Id], _inbox.Marked);
        Assert.EndsWith("/connections", Services.GetRequiredService<NavigationManager>().Uri);
        list.WaitForAssertion(() => Assert.Empty(list.FindAll(".mud-dialog"))); // the panel gets out of the way

        list = ShowDialog<NotificationList>(_ => { });
        list.FindAll("[role=listitem]")[1].KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });
        Assert.Single(_inbox.Marked);
        Assert.EndsWith("/runs", Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public void The_list_shows_more_on_request_when_there_are_more_than_a_page()
    {
        for (var i = 0; i < 25; i++) Add($"Run {i} finished");
        var list = ShowDialog<NotificationList>(_ => { });
        Assert.Equal(20, list.FindAll("[role=listitem]").Count);
        Assert.Contains("25 notifications", list.Markup);
        list.FindAll("button").Single(b => b.TextContent.Contains("Show more")).Click();
        Assert.Equal(25, list.FindAll("[role=listitem]").Count);
        Assert.DoesNotContain(list.FindAll("button"), b => b.TextContent.Contains("Show more"));
    }

    /// <summary>One user's notifications in memory, newest first, marked read as <see cref="NotificationService"/> marks them.</summary>
    private sealed class Inbox : INotificationInbox
    {
        public List<NotificationView> Items { get; } = [];
        public List<Guid?> Marked { get; } = [];
        public List<Guid> AskedFor { get; } = [];

        public Task<Paged<NotificationView>> ListAsync(Actor actor, PageRequest page, bool unreadOnly = false, CancellationToken ct = default)
        {
            var all = Items.Where(n => !unreadOnly || !n.IsRead).OrderByDescending(n => n.CreatedAt).ToList();
            return Task.FromResult(new Paged<NotificationView>(all.Skip(page.Skip).Take(page.SafeSize).ToList(), all.Count, page.SafePage, page.SafeSize));
        }

        public Task<int> UnreadCountAsync(Actor actor, CancellationToken ct = default)
        {
            AskedFor.Add(actor.UserId);
            return Task.FromResult(Items.Count(n => !n.IsRead));
        }

        public Task MarkReadAsync(Actor actor, Guid? notificationId, CancellationToken ct = default)
        {
            Marked.Add(notificationId);
            for (var i = 0; i < Items.Count; i++)
                if (notificationId is null || Items[i].Id == notificationId) Items[i] = Items[i] with { IsRead = true };
            return Task.CompletedTask;
        }
    }
}
